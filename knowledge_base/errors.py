"""Errors the knowledge base raises; entry points map them to a status code or a message."""


class KnowledgeBaseError(ValueError):
    """Something asked of the knowledge base cannot be done; the message says why."""


class InvalidArticle(KnowledgeBaseError):
    """A record cannot become an article; the message says why."""


class ArticleNotFound(KnowledgeBaseError):
    """No article has the given id."""


class InvalidTransition(KnowledgeBaseError):
    """The article is not in a state that allows the step (e.g. publishing a draft)."""


class InvalidSynonyms(KnowledgeBaseError):
    """A synonym group is malformed (too few words, a word too long)."""
