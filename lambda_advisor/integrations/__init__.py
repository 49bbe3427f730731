"""Integrations with other tools (cfn-lint). Imported only by those tools, never by ``scan``."""
