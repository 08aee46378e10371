"""The canned SPARQL queries (*.rq), installed with the kg package as kg.queries."""
