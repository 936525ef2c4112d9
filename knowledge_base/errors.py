"""Errors the knowledge base raises."""


class InvalidArticle(ValueError):
    """A record cannot become an article; the message says why."""
