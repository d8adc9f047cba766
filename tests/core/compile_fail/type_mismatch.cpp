// "report" gives a std::string, "scale" wants an int.
// expect: each input's type must be what its producer gives
// expect: input_type_mismatch<mlpipe::errors::node<mlpipe::fixed_string<6>\{"scale"\}>, 0, mlpipe::errors::node<mlpipe::fixed_string<7>\{"report"\}>, int, std::__cxx11::basic_string<char> >
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"report">(describe{}) << mp::from<"load">,
                        mp::node<"scale">(scale{}) << mp::from<"report">);
}
