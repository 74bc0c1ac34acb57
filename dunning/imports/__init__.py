"""The import of accounting exports: reading files, the header map, cell values, rows and the sync plan."""
