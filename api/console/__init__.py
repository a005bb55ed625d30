"""The professionals' console (issue 5): server-rendered pages in French with the DSFR."""
