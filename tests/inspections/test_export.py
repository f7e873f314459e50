import io

from openpyxl import load_workbook


class FindingExportTests:
    def test_it_exports_the_filtered_list_as_text_safe_excel(self, client_for, office_admin, make_finding, unit_a,
                                                             unit_b):
        make_finding(unit=unit_a, description="=cmd|' /C calc'!A0 人民公园黄土裸露")
        make_finding(unit=unit_b, description="滨江路绿化带缺株")
        response = client_for(office_admin).get(f"/inspections/export.xlsx?unit={unit_a.pk}")
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        ws = load_workbook(io.BytesIO(response.content)).active
        rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
        assert len(rows) == 1
        assert rows[0][2].startswith("=cmd") and ws.cell(row=4, column=3).data_type == "s"
        assert rows[0][7] == "市住建局"

    def test_unit_staff_export_only_their_units(self, client_for, outsider, make_finding, unit_a):
        make_finding(unit=unit_a)
        response = client_for(outsider).get("/inspections/export.xlsx")
        ws = load_workbook(io.BytesIO(response.content)).active
        assert [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]] == []

    def test_it_requires_login(self, client, db):
        assert client.get("/inspections/export.xlsx").status_code == 302
