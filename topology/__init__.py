"""The map: spans, edges, linking, the graph and its questions, the store."""
