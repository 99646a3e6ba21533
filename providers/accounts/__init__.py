"""Accounts: buyers and providers' representatives (django-allauth), and which providers a
representative speaks for."""
