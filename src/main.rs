fn main() {
    raft_live::run();
}
