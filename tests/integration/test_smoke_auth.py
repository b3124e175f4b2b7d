def test_login_redirects_to_role_home(login):
    v = login("lurah.api-api")
    page = v.get("/").get_data(as_text=True)
