//! SCIM PATCH bodies (`PATCH /scim/v2/Users/{id}`, `/scim/v2/Groups/{id}`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    roster_backend::fuzzing::scim_patch(data);
});
