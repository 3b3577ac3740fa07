"""Input the database cannot hold is the client's error (422 in the contract), never a 500."""

HUGE = 10**40


def test_a_path_id_too_large_for_the_database_finds_nothing(api_client_for, db):
    client = api_client_for("tv_staff")

    response = client.get(f"/api/v1/broadcast/episodes/{HUGE}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_body_id_too_large_for_the_database_is_a_4xx_not_500(api_client_for, db):
    client = api_client_for("tv_staff")

    response = client.post(
        "/api/v1/broadcast/episodes", {"lesson_id": -HUGE}, content_type="application/json"
    )

    # SQLite cannot bind such a number (out_of_range, 422); PostgreSQL compares it and finds no
    # lesson (404). Either is the contract; a 500 is not.
    assert (response.status_code, response.json()["code"]) in {
        (422, "out_of_range"),
        (404, "not_found"),
    }
    if response.status_code == 422:
        assert response.json()["detail"] == "Un valor enviado está fuera del rango admitido."
