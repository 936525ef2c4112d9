"""Errors the knowledge base raises; entry points map them to a status code or a message.

Each is a :class:`hotline.refusal.Refusal`: a Chinese template and the values that fill it,
and the kind of refusal its class is ("not_found", "forbidden", "conflict" or "invalid").
"""

from hotline.refusal import Refusal


class KnowledgeBaseError(Refusal, ValueError):
    """Something asked of the knowledge base cannot be done; the sentence says why."""

    kind = "invalid"


class InvalidArticle(KnowledgeBaseError):
    """A record cannot become an article; the sentence says why."""


class ArticleNotFound(KnowledgeBaseError):
    """No article has the given id."""

    kind = "not_found"


class InvalidTransition(KnowledgeBaseError):
    """The article is not in a state that allows the step (e.g. publishing a draft)."""

    kind = "conflict"


class InvalidSynonyms(KnowledgeBaseError):
    """A synonym group is malformed (too few words, a word too long)."""
