"""Every operation documents the one error format for the answers it can give."""
from drf_spectacular.openapi import AutoSchema

from .errors import ERROR_SCHEMA

ERRORS = {
    "400": "Invalid input (fields name the inputs at fault)",
    "401": "No or bad credentials",
    "403": "Not allowed for this role",
    "404": "Not found, or outside the user's units",
    "409": "The object's state does not allow the action",
    "429": "Too many requests for this token",
}


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        # Any operation may meet bad input (a query filter, a body), missing rights or an object
        # outside the user's units; only writes meet a state conflict.
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ERROR_SCHEMA, code, direction=direction)
                response["description"] = ERRORS[code]
                responses[code] = response
        return responses
