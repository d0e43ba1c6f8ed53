"""The demo's simulated devices (模拟设备): the ID card reader, the QR scanner and the ticket
printer simulators a kiosk uses, and a small window a person at the demo presses to place a
card, scan an appointment code or take the paper out (`yichuang sim panel`)."""
