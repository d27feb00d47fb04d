"""What a run publishes: disclosure control, the exports (workbook, CSV, key figures,
manifest) and the comparison with the published report."""
