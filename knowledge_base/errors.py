"""Errors the knowledge base raises; entry points map them to a status code or a message.

Each class says once what kind of refusal it is (``kind``: "not_found", "forbidden",
"conflict" or "invalid"), so that every entry point answers it the same way.
"""


class KnowledgeBaseError(ValueError):
    """Something asked of the knowledge base cannot be done; the message says why."""

    kind = "invalid"


class InvalidArticle(KnowledgeBaseError):
    """A record cannot become an article; the message says why."""


class ArticleNotFound(KnowledgeBaseError):
    """No article has the given id."""

    kind = "not_found"


class InvalidTransition(KnowledgeBaseError):
    """The article is not in a state that allows the step (e.g. publishing a draft)."""

    kind = "conflict"


class InvalidSynonyms(KnowledgeBaseError):
    """A synonym group is malformed (too few words, a word too long)."""
