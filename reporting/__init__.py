"""The weekly community health report: render (HTML, text, CSV, chart), archive, and email it.

`weekly.build_weekly_reports` renders one report per stakeholder; `archive.archive` writes it under
`<reports_dir>/<week>/<language>/`; `mailer.build_message` / `mailer.send_reports` email it once per week and
recipient. Modules import matplotlib and jinja2 lazily where they can; import the submodules you need.
"""
