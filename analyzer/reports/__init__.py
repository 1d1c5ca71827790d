"""Report renderers: each module has `render(report) -> str`, sorted and deterministic."""
