"""Write-side services of the policy layer, one module per entity."""
