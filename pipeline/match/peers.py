"""The role's peer postings: what postings titled like the role say, learnt from the postings.

``Peers.fit`` sums the unit body rows of the peer postings per company, plus the profile's own
body vector as one more peer; ``similarity`` gives each posting's cosine with that sum *less its
own company's postings*, so a posting never vouches for itself, nor do an employer's copies or
shared boilerplate vouch for each other. With few peers (a board with three care coordinators)
a posting's own share of the centroid would otherwise make any family-titled posting look
typical of the role.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipeline.match.text import norm


def company_keys(companies: list[str | None], first_row: int = 0) -> list[str]:
    """A key per posting for ``Peers``: its normalised company, or its own row when it names
    none (a posting without a company is its own employer)."""
    return [norm(c) if c and c.strip() else f"#row{first_row + i}"
            for i, c in enumerate(companies)]


@dataclass
class Peers:
    """Per-company sums of the peers' unit body rows and their total."""

    total: sp.csr_matrix
    sums: sp.csr_matrix
    row_of: dict[str, int]

    @classmethod
    def fit(cls, bodies: sp.csr_matrix, rows: np.ndarray, keys: list[str],
            prior: sp.csr_matrix) -> Peers | None:
        """The peers among ``bodies`` at ``rows`` (``keys``: every posting's company key);
        ``prior`` (the profile's unit body vector) counts as one more peer of no company, so
        a board with one or two role-titled postings still has a typical posting to compare."""
        if len(rows) == 0:
            return None
        row_of: dict[str, int] = {}
        group = np.array([row_of.setdefault(keys[r], len(row_of)) for r in rows])
        onehot = sp.csr_matrix((np.ones(len(rows)), (group, np.arange(len(rows)))),
                               shape=(len(row_of), len(rows)))
        sums = (onehot @ bodies[rows]).tocsr()
        return cls(sp.csr_matrix(sums.sum(axis=0) + prior.toarray()), sums, row_of)

    def similarity(self, bodies: sp.csr_matrix, keys: list[str]) -> np.ndarray:
        """Each row's cosine with the peers' sum less its company's (0 when nothing is left)."""
        own = np.array([self.row_of.get(k, -1) for k in keys], dtype=np.int64)
        dots = (bodies @ self.total.T).toarray().ravel()
        squared = np.full(len(keys), float(self.total.multiply(self.total).sum()))
        has = np.flatnonzero(own >= 0)
        if len(has):
            dots[has] -= self._own_dots(bodies, own, has)
            cross = (self.sums @ self.total.T).toarray().ravel()
            norms = np.asarray(self.sums.multiply(self.sums).sum(axis=1)).ravel()
            squared[has] += norms[own[has]] - 2 * cross[own[has]]
        rest = np.sqrt(np.maximum(squared, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(rest > 1e-6, dots / rest, 0.0)

    def _own_dots(self, bodies: sp.csr_matrix, own: np.ndarray, has: np.ndarray) -> np.ndarray:
        """Each of the ``has`` rows' dot product with its own company's sum, company by company
        (one company's sum is never copied per row)."""
        rows = has[np.argsort(own[has], kind="stable")]
        companies, starts = np.unique(own[rows], return_index=True)
        out = np.zeros(len(bodies.indptr) - 1)
        for company, members in zip(companies, np.split(rows, starts[1:]), strict=True):
            out[members] = (bodies[members] @ self.sums[company].T).toarray().ravel()
        return out[has]
