"""Requests for information: a buyer asks 1 to 10 shortlisted providers the same questions,
their representatives answer in one grid (or decline), and the buyer compares the answers."""
