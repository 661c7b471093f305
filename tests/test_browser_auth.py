"""Sign-in and user administration in Debian's chromium."""

import pytest

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_admin_creates_a_user_who_signs_in_and_changes_the_password(page, users):
    sign_in(page, users["admin"].email)
    page.click("header >> text=Người dùng")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Người dùng"
    screenshot(page, "auth-admin-users")
    page.click("a.button:has-text('Thêm người')")
    page.fill("input[name=email]", "hoa.le@test.local")
    page.fill("input[name=name]", "Lê Thị Hoa")
    page.fill("input[name=position]", "Chuyên viên")
    page.select_option("select[name=role]", "unit_staff")
    page.select_option("select[name=unit]", label="Sở Thông tin và Truyền thông")
    screenshot(page, "auth-admin-new-user")
    page.click("form.user-form button[type=submit]")
    page.wait_for_load_state()
    password = page.locator("code.password-once").inner_text()
    assert len(password) >= 12
    screenshot(page, "auth-admin-password-once")
    page.click("header button:has-text('Đăng xuất')")
    page.wait_for_load_state()

    # The new user signs in with the generated password and chooses their own.
    sign_in(page, "hoa.le@test.local", password)
    # The admin has seen that password: nothing else opens until the user picks their own.
    assert page.locator("h1").inner_text() == "Đổi mật khẩu"
    assert "Vui lòng đặt mật khẩu của riêng bạn" in page.locator("main").inner_text()
    page.goto("/tasks")
    assert page.url.endswith("/account/password")
    page.fill("input[name=current]", password)
    page.fill("input[name=new]", "hoathile2026")
    page.fill("input[name=confirm]", "hoathile2026")
    page.click("form button[type=submit].primary")
    page.wait_for_load_state()
    assert "không được tạo từ họ tên" in page.locator("main").inner_text()
    screenshot(page, "auth-change-password-refused")
    page.fill("input[name=current]", password)
    page.fill("input[name=new]", "trăng rằm tháng tám sáng tỏ")
    page.fill("input[name=confirm]", "trăng rằm tháng tám sáng tỏ")
    page.click("form button[type=submit].primary")
    page.wait_for_load_state()
    assert "Đã đổi mật khẩu" in page.locator("main").inner_text()
    page.click("header button:has-text('Đăng xuất')")
    page.wait_for_load_state()
    sign_in(page, "hoa.le@test.local", "trăng rằm tháng tám sáng tỏ")
    assert page.locator("h1").inner_text() == "Nhiệm vụ"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/account/password")
    screenshot(page, "auth-change-password-phone")


def test_a_locked_account_says_when_to_try_again(page, users):
    for _ in range(5):
        sign_in(page, users["viewer"].email, "a wrong password here")
    sign_in(page, users["viewer"].email)
    assert "thử lại sau 1 phút" in page.locator("main").inner_text()
    screenshot(page, "auth-locked")
