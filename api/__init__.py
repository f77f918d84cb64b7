"""ToileMaker: the web service of Symbiose."""
