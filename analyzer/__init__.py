"""credmint's analyzer: IAM semantics over the inventory, the grant graph, rules and reports."""

__version__ = "0.1.0"
