"""Documents for people: the annual report as HTML and CSV (`annual_report`), and the one
CSV writer every download goes through (`spreadsheet`), which shows a formula someone
wrote as text."""
