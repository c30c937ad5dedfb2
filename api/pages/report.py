"""The monthly 通报 as a page, and its exports."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import ServiceDep
from api.export import export_response
from api.pages.base import DayRangeQuery, PageCaller, bounds_of, period_of, render, require_editor
from api.report_chart import bar_chart
from review import clock
from review.periods import ended_months
from review.proofread import CODES as PROOFREADING_CODES

router = APIRouter(include_in_schema=False)


@router.get("/report", response_class=HTMLResponse)
def report(request: Request, service: ServiceDep, caller: PageCaller,
           days: DayRangeQuery):
    require_editor(caller)
    start, end = period_of(days.start, days.end)
    stats = service.unit_stats(caller, *bounds_of(start, end))
    months = list(stats[0]["adopted_by_month"]) if stats else []
    return render(request, service, caller, "report.html", stats=stats, start=start, end=end,
                  chart=bar_chart(stats), query=urlencode({"from": start.isoformat(), "to": end.isoformat()}),
                  months=months, open_months=[m for m in months if m not in ended_months(months, clock.today())],
                  today_month=f"{clock.today():%Y-%m}",
                  month_grid_max=service.config.section("report")["month_grid_max"], error_codes=PROOFREADING_CODES)


@router.get("/report/export.{fmt}")
def report_export(service: ServiceDep, caller: PageCaller, fmt: str,
                  days: DayRangeQuery):
    require_editor(caller)
    start, end = period_of(days.start, days.end)
    return export_response(service.unit_stats(caller, *bounds_of(start, end)), start, end, fmt,
                           config=service.config, units=service.unit_names())
