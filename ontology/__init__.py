"""The ontology and SHACL shapes (*.ttl), installed with the kg package as kg.ontology."""
