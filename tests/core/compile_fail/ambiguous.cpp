// "pair" gives two ints, so "scale"'s int input cannot choose one.
// expect: ambiguous_input<.*"scale".*"pair".*"pair".*int, std::tuple<int, int>
#include "stages.hpp"
#include <tuple>
struct two_ints {
  std::tuple<int, int> operator()() const { return {1, 2}; }
};
int main() {
  auto p = mp::pipeline(mp::node<"pair">(two_ints{}), mp::node<"scale">(scale{}) << mp::from<"pair">);
  (void)p;
}
