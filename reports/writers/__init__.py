"""Writers turn any exporter into a file: XLSX (every report) and PDF (reports with has_pdf)."""
