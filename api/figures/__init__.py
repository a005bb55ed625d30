"""Figures per organisation and period: invitations, bookings, attendance, SMS spent, barriers."""
