//! SCIM resource bodies (`POST /scim/v2/Users`, `PUT /scim/v2/Users/{id}`, a Group's members).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    roster_backend::fuzzing::scim_resource(data);
});
