"""The HTTP kit every domain's endpoints use: one error shape, strict request fields, body and URL limits,
security headers, the origin check, hand-read bodies and their OpenAPI, Idempotency-Key. It knows no domain."""
