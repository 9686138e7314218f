"""Who may use a worker: key pairs, the grants its owner makes, the ZAP check, and what each person may do."""
