"""Files shipped with the package: the spreadsheet template and its example."""
