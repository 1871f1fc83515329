"""Statistics, percentiles, histograms and sensitivity of outputs, merged across chunks.

Conventions (what a user comparing with @RISK or Excel needs to know):

* ``variance``/``std`` are sample forms (n - 1), as Excel's VAR.S and STDEV.S.
* ``skewness`` = m3/m2^1.5 and ``kurtosis`` = m4/m2² from population moments, as @RISK shows
  them: kurtosis is *not* excess (a normal output gives 3). ``excel_skew`` and ``excel_kurt``
  are Excel's bias-corrected SKEW and KURT; KURT is excess (a normal output gives 0).
* Percentiles are exact (PERCENTILE.INC) up to ``exact_cap`` valid values per output
  (10^6 by default), then from a LogSketch within relative error 1e-4 of the exact order
  statistic at rank floor(p·(n-1)).
* VaR at level a is the a-quantile of the output; CVaR is the mean of the tail beyond it
  (the lower tail for a < 0.5, the upper tail otherwise).
* Contribution to variance is the normalised squared standardised regression coefficient.
"""
