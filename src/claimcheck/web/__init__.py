"""The clinic pre-check web page and JSON API (`claimcheck serve`); imported only by it."""
