// Placeholder: implemented with issue 3.
