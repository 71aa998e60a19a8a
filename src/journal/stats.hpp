// Significance tests for A/B reports: a two-proportion z-test for rates and Welch's t-test for
// means, with p-values computed exactly (erfc for the normal, the regularized incomplete beta
// function for Student's t) rather than from a normal approximation with an assumed sigma.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace ca::journal::stats {

// P(|Z| >= |z|) for a standard normal Z: erfc(|z| / sqrt 2).
double normal_two_sided_p(double z);

// The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1, by its
// continued fraction (modified Lentz), using the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where that
// converges faster. NaN for arguments out of range.
double incomplete_beta(double a, double b, double x);

// P(|T| >= |t|) for Student's t with `df` > 0 degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2).
double student_t_two_sided_p(double t, double df);

struct TestResult {
  double statistic = 0;    // z or t
  double df = 0;           // Welch's degrees of freedom; 0 for z
  std::optional<double> p;  // absent when the test is undefined (too few samples, no variance)
};

// H0: the two proportions are equal; pooled standard error. Both rates 0 or both 1: z = 0, p = 1.
TestResult two_proportion_z(int64_t x1, int64_t n1, int64_t x2, int64_t n2);

struct Sample {
  int64_t n = 0;
  double mean = 0;
  double variance = 0;  // the unbiased sample variance (divides by n - 1)
};
Sample describe(std::span<const double> values);

// H0: equal means, variances not assumed equal (Welch-Satterthwaite degrees of freedom). Needs
// n >= 2 on both sides and some variance.
TestResult welch_t(const Sample &a, const Sample &b);

}  // namespace ca::journal::stats
