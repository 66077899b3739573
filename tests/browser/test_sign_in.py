import re

from playwright.sync_api import expect

from appraisal.demo import DEMO_PASSWORD


def test_a_demo_pm_signs_in_and_sees_my_tasks(page, demo_company, screenshot, sign_in):
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


def test_a_wrong_password_keeps_the_pm_on_the_sign_in_page(page, demo_company, sign_in):
    sign_in(page, "chen.lin", "not-the-password")

    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_hr_signs_in_and_sees_the_people_directory(page, demo_company, screenshot, sign_in):
    sign_in(page, "ye.qing")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="People"
    ).click()

    expect(page.get_by_role("heading", name="People")).to_be_visible()
    expect(page.get_by_role("cell", name="Chen Lin", exact=True)).to_be_visible()
    screenshot("people")


def test_signing_in_works_with_the_keyboard_alone(page, demo_company):
    page.goto("/accounts/login/")

    # The name field has the focus on arrival; Tab moves to the password, Enter submits.
    assert page.evaluate("() => document.activeElement.id") == "id_username"
    page.keyboard.type("chen.lin")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "id_password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
