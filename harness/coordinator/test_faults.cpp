#include "test_faults.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace gpucert::coordinator {

void test_fault_point(const MpiWorld& world, const std::string& point) {
  const char* fault = std::getenv("GPUCERT_TEST_FAULT");
  if (!fault || !*fault) return;
  const std::string spec = fault;
  const std::string here = std::to_string(world.rank()) + ":" + point + ":";
  if (spec.rfind(here, 0) != 0) return;
  const std::string what = spec.substr(here.size());
  if (what != "exit" && what != "hang") {
    std::fprintf(stderr, "gpucert: GPUCERT_TEST_FAULT: unknown fault '%s' ignored (hang or exit)\n", what.c_str());
    return;
  }
  std::fprintf(stderr, "gpucert: GPUCERT_TEST_FAULT: rank %d %s at %s\n", world.rank(),
               what == "exit" ? "exits" : "hangs", point.c_str());
  std::fflush(stderr);
  if (what == "exit") std::_Exit(1);
  for (;;) pause();  // until mpirun, or the root's MPI_Abort, ends the job
}

}  // namespace gpucert::coordinator
