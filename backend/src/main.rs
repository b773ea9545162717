fn main() -> std::process::ExitCode {
    roster_backend::cli::main()
}
