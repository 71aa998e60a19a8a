#include "journal/stats.hpp"

#include <cmath>
#include <limits>

namespace ca::journal::stats {

double normal_two_sided_p(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

namespace {

// The continued fraction for I_x(a,b) (Numerical Recipes, 3rd ed., 6.4), evaluated by the
// modified Lentz method. Converges quickly for x < (a+1)/(a+b+2); needs O(sqrt(max(a,b)))
// iterations, hence the generous cap for the large df of big tests.
double beta_continued_fraction(double a, double b, double x) {
  constexpr int kMaxIterations = 100000;
  constexpr double kEps = 1e-15;
  constexpr double kTiny = 1e-300;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double md = m, m2 = 2.0 * m;
    double aa = md * (b - md) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return h;
}

}  // namespace

double incomplete_beta(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return 0.0;
  if (x == 1.0) return 1.0;
  // x^a (1-x)^b / (a B(a,b)), in logs so that large a and b do not overflow.
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

double student_t_two_sided_p(double t, double df) {
  if (!(df > 0) || std::isnan(t)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(t)) return 0.0;
  return incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
}

TestResult two_proportion_z(int64_t x1, int64_t n1, int64_t x2, int64_t n2) {
  TestResult r;
  if (n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2) return r;
  const double p1 = static_cast<double>(x1) / static_cast<double>(n1);
  const double p2 = static_cast<double>(x2) / static_cast<double>(n2);
  const double pooled = static_cast<double>(x1 + x2) / static_cast<double>(n1 + n2);
  const double se = std::sqrt(pooled * (1.0 - pooled) * (1.0 / static_cast<double>(n1) + 1.0 / static_cast<double>(n2)));
  if (se == 0.0) {  // both rates 0 or both 1: no evidence of a difference
    r.p = 1.0;
    return r;
  }
  r.statistic = (p1 - p2) / se;
  r.p = normal_two_sided_p(r.statistic);
  return r;
}

Sample describe(std::span<const double> values) {
  Sample s;
  s.n = static_cast<int64_t>(values.size());
  if (values.empty()) return s;
  // Welford: no catastrophic cancellation for long calls with small spread.
  double mean = 0, m2 = 0;
  int64_t k = 0;
  for (double v : values) {
    ++k;
    const double delta = v - mean;
    mean += delta / static_cast<double>(k);
    m2 += delta * (v - mean);
  }
  s.mean = mean;
  s.variance = s.n > 1 ? m2 / static_cast<double>(s.n - 1) : 0.0;
  return s;
}

TestResult welch_t(const Sample &a, const Sample &b) {
  TestResult r;
  if (a.n < 2 || b.n < 2) return r;
  const double va = a.variance / static_cast<double>(a.n);
  const double vb = b.variance / static_cast<double>(b.n);
  const double se2 = va + vb;
  if (!(se2 > 0)) {
    if (a.mean == b.mean) r.p = 1.0;  // identical constants: nothing differs
    return r;                          // different constants: the test is undefined
  }
  r.statistic = (a.mean - b.mean) / std::sqrt(se2);
  r.df = se2 * se2 / (va * va / static_cast<double>(a.n - 1) + vb * vb / static_cast<double>(b.n - 1));
  r.p = student_t_two_sided_p(r.statistic, r.df);
  return r;
}

}  // namespace ca::journal::stats
