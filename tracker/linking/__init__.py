"""Linking papers to the products they evaluate: mentions, embeddings, faiss, decision."""
