// Prints, for each line of stdin, the hex of the digest under which state stores that key
// (state::AppendKeyDigest): the e2e privacy check (governance_embedded.sh) looks for the digests
// of clear identities in raw state files, since state keys hold digests rather than the ids.
#include <cstdio>
#include <iostream>
#include <string>

#include "state/key_digest.h"

int main() {
  std::string line, digest;
  while (std::getline(std::cin, line)) {
    digest.clear();
    vw::state::AppendKeyDigest(&digest, line);
    for (unsigned char c : digest) std::printf("%02x", c);
    std::printf("\n");
  }
  return 0;
}
