// Run layer.
