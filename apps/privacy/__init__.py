"""Privacy: the patient's record exported (FHIR R4 Bundle, cohort CSV) and erased on request.
A composite at the top: it reads and deletes every app's rows. docs/trust.md."""
