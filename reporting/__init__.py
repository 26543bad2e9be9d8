"""The weekly community health report: render (HTML, text, CSV, charts), archive, and email it.

`data.load_report_data` reads the week's marts once; `render.render_report` renders one report (its charts from
`charts`, free text scrubbed by `privacy`); `weekly.build_weekly_reports` renders one report per stakeholder;
`archive.archive` writes it under `<reports_dir>/<week>/<language>/`; `mailer.build_message` /
`mailer.send_reports` email it once per week and recipient. Modules import matplotlib lazily where they can;
import the submodules you need.
"""
