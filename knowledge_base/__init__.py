"""The knowledge base agents answer from: articles and their search index."""
