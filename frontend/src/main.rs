fn main() {
    roster_frontend::start();
}
