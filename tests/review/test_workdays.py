"""Working-day arithmetic over the Chinese holiday calendar."""

from datetime import date

from review.workdays import add_workdays, is_workday


def test_national_day_and_its_make_up_workday_are_respected():
    # 2026: 10月1日–7日 off; the 7-day holiday is counted out and 10月10日 (a Saturday) is a workday.
    assert is_workday(date(2026, 10, 1)) == (False, True)
    assert is_workday(date(2026, 10, 10)) == (True, True)
    due, covered = add_workdays(date(2026, 9, 28), 10)
    # 9/29, 9/30, (10/1–10/7 off), 10/8, 10/9, 10/10 (Saturday, worked), 10/12, 10/13, 10/14, 10/15, 10/16
    assert covered and due == date(2026, 10, 16)
    plain, _ = add_workdays(date(2026, 6, 1), 10)  # a June without holidays: two weeks
    assert plain == date(2026, 6, 15)


def test_a_year_without_data_counts_weekends_and_the_office_s_own_dates():
    due, covered = add_workdays(date(2026, 12, 28), 5)
    assert not covered  # 2027 is not in the package yet
    assert due == date(2027, 1, 4)  # 12/29, 12/30, 12/31, 1/1, 1/4 by weekends alone
    due, covered = add_workdays(date(2026, 12, 28), 5, holidays=[date(2027, 1, 1)])
    assert due == date(2027, 1, 5)
    due, _ = add_workdays(date(2026, 12, 28), 5, holidays=[date(2027, 1, 1)], workdays=[date(2027, 1, 2)])
    assert due == date(2027, 1, 4)
