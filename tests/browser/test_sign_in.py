import re

from playwright.sync_api import expect

from appraisal.demo import DEMO_PASSWORD


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_demo_pm_signs_in_and_sees_my_tasks(page, demo_company, screenshot):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    screenshot("sign-in")

    sign_in(page, "chen.lin")

    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    expect(page.get_by_text("Hello, Chen Lin.")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("link", name="My tasks")).to_be_visible()
    expect(navigation.get_by_role("link", name="People")).to_have_count(0)
    screenshot("my-tasks")


def test_a_wrong_password_keeps_the_pm_on_the_sign_in_page(page, demo_company):
    sign_in(page, "chen.lin", "not-the-password")

    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_hr_signs_in_and_sees_the_people_directory(page, demo_company, screenshot):
    sign_in(page, "ye.qing")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="People"
    ).click()

    expect(page.get_by_role("heading", name="People")).to_be_visible()
    expect(page.get_by_role("cell", name="Chen Lin", exact=True)).to_be_visible()
    screenshot("people")
