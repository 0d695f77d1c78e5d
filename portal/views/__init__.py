"""Portal views, one module per area; every one is `cardholder_required`."""
