// Crash consistency of the StateStore: a child process commits in a loop (some commits through
// the spill path); the parent kills it with SIGKILL at a random moment, reopens the store and
// checks that it equals EXACTLY the state after some commit n, with n >= the last commit the
// child acknowledged (Commit returned) and n <= that + 1 (a commit may land just before the kill
// without being acknowledged). Repeated on the same store, so recovery is itself crashed into.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

#include "state/state_store.h"
#include "state/tests/test_util.h"
#include "tests/integration/state_crash_workload.h"

namespace vw::state {
namespace {

// Appends `n` bytes read from the child to `buf`; returns the last complete number in it.
int64_t ConsumeAcks(const char* data, ssize_t n, std::string* buf, int64_t last) {
  buf->append(data, static_cast<size_t>(n));
  size_t nl;
  while ((nl = buf->find('\n')) != std::string::npos) {
    last = std::stoll(buf->substr(0, nl));
    buf->erase(0, nl + 1);
  }
  return last;
}

// Reads the child's acknowledgements until `deadline`; returns the last complete number.
int64_t ReadAcksUntil(int fd, std::chrono::steady_clock::time_point deadline, std::string* buf,
                      int64_t last) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) break;
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0) break;
    last = ConsumeAcks(tmp, n, buf, last);
  }
  return last;
}

// Reads every acknowledgement left in the pipe once its writer has exited.
int64_t ReadAcksToEnd(int fd, std::string* buf, int64_t last) {
  char tmp[4096];
  for (;;) {
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    last = ConsumeAcks(tmp, n, buf, last);
  }
  return last;
}

TEST(StateCrashTest, KillNineLeavesExactlyACommittedPrefix) {
  const char* child = VW_STATE_CRASH_CHILD;
  testing::TempDir dir;
  const std::string path = dir.sub("store");
  std::mt19937 rng(static_cast<unsigned>(std::random_device{}()));
  int64_t previous = 0;
  int spill_kills = 0;
  for (int round = 0; round < 12; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execl(child, child, path.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    // Kill at a random moment. Odd rounds: 0..300 ms after start, which may be during Open and
    // its recovery of the previous crash. Even rounds: 0..300 ms after the child's first new
    // commit, so the test makes progress however loaded the machine is.
    std::string buf;
    int64_t acked = previous;
    if (round % 2 == 0) {
      const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (acked == previous && std::chrono::steady_clock::now() < limit) {
        acked = ReadAcksUntil(
            fds[0], std::chrono::steady_clock::now() + std::chrono::milliseconds(50), &buf, acked);
      }
    }
    const auto kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(rng() % 300);
    acked = ReadAcksUntil(fds[0], kill_at, &buf, acked);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // The child is dead and the pipe's write end closed: read what it acknowledged before the
    // kill that the wait above did not consume yet, up to end of file.
    acked = ReadAcksToEnd(fds[0], &buf, acked);
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child exited by itself (status " << status << ")";

    auto store = StateStore::Open({.path = path, .write_cache_bytes = crashtest::kCacheBytes});
    ASSERT_TRUE(store.ok()) << store.status();
    auto last = (*store)->LastCommit();
    ASSERT_TRUE(last.ok()) << last.status();
    const int64_t n = last->next_offsets.contains(crashtest::kInput)
                          ? last->next_offsets.at(crashtest::kInput)
                          : 0;
    EXPECT_GE(n, acked) << "an acknowledged commit was lost";
    EXPECT_LE(n, acked + 1);
    EXPECT_GE(n, previous);
    if ((n + 1) % 7 == 0) ++spill_kills;
    std::map<std::string, std::string> actual;
    ASSERT_TRUE((*store)
                    ->ForEachCommitted([&](std::string_view k, std::string_view v) {
                      actual.emplace(std::string(k), std::string(v));
                    })
                    .ok());
    ASSERT_EQ(actual, crashtest::Expected(n))
        << "round " << round << ": not the state of commit " << n;
    previous = n;
  }
  EXPECT_GE(previous, 6) << "the child made too little progress to test anything";
  std::printf("crash test: %lld commits over 12 kills, %d kills landed in a spilling commit\n",
              static_cast<long long>(previous), spill_kills);
}

}  // namespace
}  // namespace vw::state
