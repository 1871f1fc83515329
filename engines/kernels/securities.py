"""Excel's bond and security functions, gathered from the modules implementing them: the coupon
schedule (:mod:`engines.kernels.coupons`), coupon bonds (:mod:`engines.kernels.bonds`), accrued
interest (:mod:`engines.kernels.accrual`), odd first and last periods
(:mod:`engines.kernels.oddcoupons`) and securities without periodic coupons
(:mod:`engines.kernels.discounts`).
"""

from __future__ import annotations

from engines.kernels.accrual import KERNELS as ACCRUAL_KERNELS
from engines.kernels.bonds import KERNELS as BOND_KERNELS
from engines.kernels.coupons import KERNELS as COUPON_KERNELS
from engines.kernels.discounts import KERNELS as DISCOUNT_KERNELS
from engines.kernels.oddcoupons import KERNELS as ODD_COUPON_KERNELS
from engines.kernels.spec import Kernel

KERNELS: dict[str, Kernel] = {
    **COUPON_KERNELS,
    **BOND_KERNELS,
    **ACCRUAL_KERNELS,
    **ODD_COUPON_KERNELS,
    **DISCOUNT_KERNELS,
}
